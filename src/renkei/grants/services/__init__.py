"""The grant stage's services, one module per part (``core``, ``award``, ``closing``,
``schedule``): every state change goes through one of them (permission, fresh rows under lock,
audit event, notices after commit, due dates recomputed)."""
