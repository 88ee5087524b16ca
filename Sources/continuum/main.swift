import ContinuumGGUF
let f = try GGUFFile(path: CommandLine.arguments[1])
for k in f.keys { print(k, f.metadata[k]!) }
for t in f.tensors.prefix(40) { print(t.name, t.dimensions, t.type, t.offset) }
print(f.tensors.count)
