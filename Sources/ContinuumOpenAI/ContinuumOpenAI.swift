// Placeholder until the wire types land (issue 3).
