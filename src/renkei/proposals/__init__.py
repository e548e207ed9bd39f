"""Pre-registrations, proposals, their versions and attachments (JCM call 5.(1) ①–⑥)."""
