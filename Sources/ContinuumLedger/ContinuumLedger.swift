// Placeholder until the ledger lands (issue 3).
