// ContinuumKernels
