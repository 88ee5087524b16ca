// ContinuumTokenizers
