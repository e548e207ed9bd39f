"""The office path after submission: basic screening (JCM call 3.(2), 別添2 3.(1)); reviews,
hearings and selection follow."""
