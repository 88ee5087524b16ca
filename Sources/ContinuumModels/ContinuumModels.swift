// ContinuumModels
