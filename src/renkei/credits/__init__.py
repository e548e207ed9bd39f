"""The JCM project cycle and credits stage (issue 10): a monitored project's registration with the
Joint Committee, issuance of credits for its verified periods, the registry ledger that holds
them, and the portfolio against Japan's target. Each record points at the stage before (a
``JcmProject`` at its monitoring plan, an issuance request at verified monitoring periods, a
block of credits at its issuance); nothing is copied from them."""
