/// Builds the statement tree of a template from its tokens, with jinja2's grammar and
/// operator precedence (`jinja2/parser.py`): or < and < not < comparisons < `+ -` < `~` <
/// `* / // %` < `**` < unary < postfix (`.a`, `[i]`, `(args)`) with filters `|f` and tests
/// `is t` binding tightest after postfix.
struct JinjaParser {
    private let tokens: [JinjaToken]
    private var i = 0
    private var depth = 0
    /// Nesting bound for statements and expressions: a hostile template cannot overflow the stack.
    static let maximumDepth = 200

    init(tokens: [JinjaToken]) { self.tokens = tokens }

    static func parse(_ source: String) throws(JinjaError) -> [JinjaNode] {
        var p = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (body, end) = try p.nodes(until: [])
        if let end { throw JinjaError(.syntax, "line \(p.tokens[p.i].line): unexpected {% \(end) %}") }
        return body
    }

    private var token: JinjaToken { tokens[i] }
    private var line: Int { tokens[i].line }

    private func error(_ what: String) -> JinjaError {
        let found = token.kind == .eof ? "end of template" : token.kind == .blockEnd ? "%}" : token.kind == .variableEnd ? "}}" : "'\(token.text)'"
        return JinjaError(.syntax, "line \(line): \(what), found \(found)")
    }

    private func isOp(_ s: String) -> Bool { token.kind == .op && token.text == s }
    private func isName(_ s: String) -> Bool { token.kind == .name && token.text == s }

    private mutating func expectOp(_ s: String) throws(JinjaError) {
        guard isOp(s) else { throw error("expected '\(s)'") }
        i += 1
    }

    private mutating func expectName() throws(JinjaError) -> String {
        guard token.kind == .name else { throw error("expected a name") }
        defer { i += 1 }
        return token.text
    }

    private mutating func expectBlockEnd() throws(JinjaError) {
        guard token.kind == .blockEnd else { throw error("expected %}") }
        i += 1
    }

    private mutating func enter() throws(JinjaError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw JinjaError(.limit, "line \(line): nesting deeper than \(Self.maximumDepth)") }
    }

    // MARK: Statements

    /// Nodes up to a block tag whose keyword is in `ends` (returned, its `{% name` consumed)
    /// or the end of the template (nil).
    private mutating func nodes(until ends: Set<String>) throws(JinjaError) -> ([JinjaNode], String?) {
        try enter()
        defer { depth -= 1 }
        var out: [JinjaNode] = []
        while true {
            switch token.kind {
            case .eof:
                if !ends.isEmpty { throw error("expected {% \(ends.sorted().joined(separator: " or ")) %}") }
                return (out, nil)
            case .text:
                out.append(.text(token.text))
                i += 1
            case .variableBegin:
                let l = line
                i += 1
                let e = try expression()
                guard token.kind == .variableEnd else { throw error("expected }}") }
                i += 1
                out.append(.output(e, line: l))
            case .blockBegin:
                i += 1
                let l = line
                let keyword = try expectName()
                if ends.contains(keyword) { return (out, keyword) }
                out.append(try statement(keyword, line: l))
            default:
                throw error("unexpected token")
            }
        }
    }

    private mutating func statement(_ keyword: String, line l: Int) throws(JinjaError) -> JinjaNode {
        switch keyword {
        case "if": return try ifStatement(line: l)
        case "for": return try forStatement(line: l)
        case "set": return try setStatement(line: l)
        case "macro": return try macroStatement()
        case "call": return try callStatement(line: l)
        case "filter":
            let name = try expectName()
            var args: [JinjaExpr] = [], kwargs: [(String, JinjaExpr)] = []
            if isOp("(") { (args, kwargs) = try callArguments() }
            try expectBlockEnd()
            let (body, _) = try nodes(until: ["endfilter"])
            try expectBlockEnd()
            return .filterBlock(name, args, kwargs, body, line: l)
        case "break", "continue":
            try expectBlockEnd()
            return keyword == "break" ? .breakLoop(line: l) : .continueLoop(line: l)
        case "generation":
            // transformers' {% generation %} marks assistant text for masks; it renders its body.
            try expectBlockEnd()
            let (body, _) = try nodes(until: ["endgeneration"])
            try expectBlockEnd()
            return .ifChain([(.literal(.bool(true)), body)], otherwise: [], line: l)
        default:
            throw JinjaError(.unsupported, "line \(l): the {% \(keyword) %} statement")
        }
    }

    private mutating func ifStatement(line l: Int) throws(JinjaError) -> JinjaNode {
        var branches: [(JinjaExpr, [JinjaNode])] = []
        var condition = try expression()
        while true {
            try expectBlockEnd()
            let (body, end) = try nodes(until: ["elif", "else", "endif"])
            branches.append((condition, body))
            switch end {
            case "elif":
                condition = try expression()
            case "else":
                try expectBlockEnd()
                let (otherwise, _) = try nodes(until: ["endif"])
                try expectBlockEnd()
                return .ifChain(branches, otherwise: otherwise, line: l)
            default:
                try expectBlockEnd()
                return .ifChain(branches, otherwise: [], line: l)
            }
        }
    }

    private mutating func forStatement(line l: Int) throws(JinjaError) -> JinjaNode {
        var targets = [try expectName()]
        while isOp(",") {
            i += 1
            targets.append(try expectName())
        }
        guard isName("in") else { throw error("expected 'in'") }
        i += 1
        let iterable = try tuple(conditional: false)
        var condition: JinjaExpr?
        if isName("if") {
            i += 1
            condition = try expression()
        }
        if isName("recursive") { throw JinjaError(.unsupported, "line \(l): recursive for loops") }
        try expectBlockEnd()
        let (body, end) = try nodes(until: ["else", "endfor"])
        var otherwise: [JinjaNode] = []
        if end == "else" {
            try expectBlockEnd()
            (otherwise, _) = try nodes(until: ["endfor"])
        }
        try expectBlockEnd()
        return .forLoop(targets: targets, iterable: iterable, condition: condition, body: body, otherwise: otherwise, line: l)
    }

    private mutating func setStatement(line l: Int) throws(JinjaError) -> JinjaNode {
        let first = try expectName()
        if isOp(".") {
            i += 1
            let attr = try expectName()
            try expectOp("=")
            let value = try tuple(conditional: true)
            try expectBlockEnd()
            return .setAttribute(first, attr, value, line: l)
        }
        var targets = [first]
        while isOp(",") {
            i += 1
            targets.append(try expectName())
        }
        if targets.count == 1, token.kind == .blockEnd || isOp("|") {
            if isOp("|") { throw JinjaError(.unsupported, "line \(l): filters on a block set") }
            i += 1
            let (body, _) = try nodes(until: ["endset"])
            try expectBlockEnd()
            return .setBlock(first, body, line: l)
        }
        try expectOp("=")
        let value = try tuple(conditional: true)
        try expectBlockEnd()
        return .set(targets: targets, value, line: l)
    }

    private mutating func macroStatement() throws(JinjaError) -> JinjaNode {
        let name = try expectName()
        try expectOp("(")
        var params: [(name: String, defaultValue: JinjaExpr?)] = []
        while !isOp(")") {
            if !params.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let p = try expectName()
            var d: JinjaExpr?
            if isOp("=") {
                i += 1
                d = try expression()
            }
            params.append((p, d))
        }
        i += 1
        try expectBlockEnd()
        let (body, _) = try nodes(until: ["endmacro"])
        if token.kind == .name { i += 1 }  // {% endmacro name %}
        try expectBlockEnd()
        return .macro(JinjaMacro(name: name, parameters: params, body: body))
    }

    private mutating func callStatement(line l: Int) throws(JinjaError) -> JinjaNode {
        if isOp("(") { throw JinjaError(.unsupported, "line \(l): {% call %} with caller arguments") }
        let callee = try expression()
        guard case .call = callee else { throw error("expected a macro call") }
        try expectBlockEnd()
        let (body, _) = try nodes(until: ["endcall"])
        try expectBlockEnd()
        return .callBlock(callee, body, line: l)
    }

    // MARK: Expressions

    /// An expression, or a tuple when commas separate several (`a, b`).
    private mutating func tuple(conditional: Bool) throws(JinjaError) -> JinjaExpr {
        var items: [JinjaExpr] = []
        var sawComma = false
        while true {
            if !items.isEmpty {
                guard isOp(",") else { break }
                i += 1
                sawComma = true
                if token.kind == .blockEnd || token.kind == .variableEnd || isOp(")") || isName("if") { break }
            }
            items.append(conditional ? try expression() : try orExpr())
        }
        return sawComma || items.count != 1 ? .tuple(items) : items[0]
    }

    mutating func expression() throws(JinjaError) -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        var e = try orExpr()
        while isName("if") {
            i += 1
            let test = try orExpr()
            var otherwise: JinjaExpr?
            if isName("else") {
                i += 1
                otherwise = try expression()
            }
            e = .conditional(e, test: test, otherwise: otherwise)
        }
        return e
    }

    private mutating func orExpr() throws(JinjaError) -> JinjaExpr {
        var e = try andExpr()
        while isName("or") { i += 1; e = .or(e, try andExpr()) }
        return e
    }

    private mutating func andExpr() throws(JinjaError) -> JinjaExpr {
        var e = try notExpr()
        while isName("and") { i += 1; e = .and(e, try notExpr()) }
        return e
    }

    private mutating func notExpr() throws(JinjaError) -> JinjaExpr {
        if isName("not") {
            i += 1
            try enter()
            defer { depth -= 1 }
            return .not(try notExpr())
        }
        return try compare()
    }

    private mutating func compare() throws(JinjaError) -> JinjaExpr {
        let first = try math1()
        var ops: [(String, JinjaExpr)] = []
        while true {
            if token.kind == .op, ["==", "!=", "<", "<=", ">", ">="].contains(token.text) {
                let op = token.text
                i += 1
                ops.append((op, try math1()))
            } else if isName("in") {
                i += 1
                ops.append(("in", try math1()))
            } else if isName("not"), i + 1 < tokens.count, tokens[i + 1].kind == .name, tokens[i + 1].text == "in" {
                i += 2
                ops.append(("notin", try math1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? first : .compare(first, ops)
    }

    private mutating func math1() throws(JinjaError) -> JinjaExpr {
        var e = try concat()
        while isOp("+") || isOp("-") {
            let op = token.text
            i += 1
            e = .binary(op, e, try concat())
        }
        return e
    }

    private mutating func concat() throws(JinjaError) -> JinjaExpr {
        var e = try math2()
        while isOp("~") { i += 1; e = .binary("~", e, try math2()) }
        return e
    }

    private mutating func math2() throws(JinjaError) -> JinjaExpr {
        var e = try pow()
        while token.kind == .op, ["*", "/", "//", "%"].contains(token.text) {
            let op = token.text
            i += 1
            e = .binary(op, e, try pow())
        }
        return e
    }

    private mutating func pow() throws(JinjaError) -> JinjaExpr {
        var e = try unary(withFilter: true)
        while isOp("**") { i += 1; e = .binary("**", e, try unary(withFilter: true)) }
        return e
    }

    private mutating func unary(withFilter: Bool) throws(JinjaError) -> JinjaExpr {
        try enter()
        defer { depth -= 1 }
        var e: JinjaExpr
        if isOp("-") || isOp("+") {
            let op = token.text
            i += 1
            e = .unary(op, try unary(withFilter: false))
        } else {
            e = try primary()
        }
        e = try postfix(e)
        if withFilter { e = try filters(e) }
        return e
    }

    private mutating func primary() throws(JinjaError) -> JinjaExpr {
        let t = token
        switch t.kind {
        case .name:
            i += 1
            switch t.text {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(t.text)
            }
        case .string:
            var s = t.text
            i += 1
            while token.kind == .string { s += token.text; i += 1 }
            return .literal(.string(s))
        case .integer:
            i += 1
            guard let v = Int(t.text) else { throw JinjaError(.unsupported, "line \(t.line): integer \(t.text) is too large") }
            return .literal(.int(v))
        case .float:
            i += 1
            return .literal(.float(Double(t.text) ?? .nan))
        case .op where t.text == "(":
            i += 1
            if isOp(")") { i += 1; return .tuple([]) }
            let e = try tuple(conditional: true)
            try expectOp(")")
            return e
        case .op where t.text == "[":
            i += 1
            var items: [JinjaExpr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(","); if isOp("]") { break } }
                items.append(try expression())
            }
            i += 1
            return .list(items)
        case .op where t.text == "{":
            i += 1
            var pairs: [(JinjaExpr, JinjaExpr)] = []
            while !isOp("}") {
                if !pairs.isEmpty { try expectOp(","); if isOp("}") { break } }
                let k = try expression()
                try expectOp(":")
                pairs.append((k, try expression()))
            }
            i += 1
            return .dict(pairs)
        default:
            throw error("expected an expression")
        }
    }

    private mutating func postfix(_ base: JinjaExpr) throws(JinjaError) -> JinjaExpr {
        var e = base
        while true {
            if isOp(".") {
                i += 1
                if token.kind == .name || token.kind == .integer {
                    let name = token.text
                    i += 1
                    // `x.0` is an item, as jinja2 reads it.
                    e = Int(name).map { .item(e, .literal(.int($0))) } ?? .attribute(e, name)
                } else {
                    throw error("expected an attribute name")
                }
            } else if isOp("[") {
                i += 1
                e = try subscriptExpr(e)
            } else if isOp("(") {
                let (args, kwargs) = try callArguments()
                e = .call(e, args, kwargs)
            } else {
                return e
            }
        }
    }

    private mutating func subscriptExpr(_ base: JinjaExpr) throws(JinjaError) -> JinjaExpr {
        var parts: [JinjaExpr?] = [nil]
        var colons = 0
        while !isOp("]") {
            if isOp(":") {
                colons += 1
                guard colons <= 2 else { throw error("expected ']'") }
                parts.append(nil)
                i += 1
                continue
            }
            guard parts[parts.count - 1] == nil else { throw error("expected ']'") }
            parts[parts.count - 1] = try expression()
        }
        i += 1
        if colons == 0 {
            guard let index = parts[0] else { throw error("expected a subscript") }
            return .item(base, index)
        }
        while parts.count < 3 { parts.append(nil) }
        return .slice(base, start: parts[0], stop: parts[1], step: parts[2])
    }

    private mutating func callArguments() throws(JinjaError) -> ([JinjaExpr], [(String, JinjaExpr)]) {
        try expectOp("(")
        var args: [JinjaExpr] = []
        var kwargs: [(String, JinjaExpr)] = []
        while !isOp(")") {
            if !args.isEmpty || !kwargs.isEmpty { try expectOp(","); if isOp(")") { break } }
            if token.kind == .name, i + 1 < tokens.count, tokens[i + 1].kind == .op, tokens[i + 1].text == "=" {
                let k = token.text
                i += 2
                kwargs.append((k, try expression()))
            } else {
                if isOp("*") || isOp("**") { throw JinjaError(.unsupported, "line \(line): *args in calls") }
                args.append(try expression())
            }
        }
        i += 1
        return (args, kwargs)
    }

    private mutating func filters(_ base: JinjaExpr) throws(JinjaError) -> JinjaExpr {
        var e = base
        while true {
            if isOp("|") {
                i += 1
                let l = line
                let name = try expectName()
                var args: [JinjaExpr] = [], kwargs: [(String, JinjaExpr)] = []
                if isOp("(") { (args, kwargs) = try callArguments() }
                e = .filter(e, name, args, kwargs, line: l)
            } else if isName("is") {
                i += 1
                let l = line
                var negated = false
                if isName("not") { negated = true; i += 1 }
                let name = try expectName()
                var args: [JinjaExpr] = []
                if isOp("(") {
                    (args, _) = try callArguments()
                } else if [.name, .string, .integer, .float].contains(token.kind) || isOp("[") || isOp("{"),
                          !(token.kind == .name && ["else", "or", "and", "if", "is", "in", "not"].contains(token.text)) {
                    args = [try postfix(try primary())]
                }
                e = .test(e, name, args, negated: negated, line: l)
            } else if isOp("(") {
                let (args, kwargs) = try callArguments()
                e = .call(e, args, kwargs)
            } else {
                return e
            }
        }
    }
}
