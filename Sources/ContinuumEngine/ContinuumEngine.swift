// ContinuumEngine
