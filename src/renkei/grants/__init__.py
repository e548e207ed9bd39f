"""Grant administration (JCM call 4., 2.(10)–(11), 別表1): from the 内示 to payment, the
acquired property and the years after. A grant points at the adopted selection (and through it
at the proposal and its adopted version); nothing of the proposal is copied."""
