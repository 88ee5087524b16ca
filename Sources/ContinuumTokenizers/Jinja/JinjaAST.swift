/// An expression of a template, as jinja2's parser builds it.
indirect enum JinjaExpr: Sendable {
    case literal(JinjaValue)
    case name(String)
    case list([JinjaExpr])
    case tuple([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
    /// `a.b`: attribute first, then item (jinja2's `getattr`).
    case attribute(JinjaExpr, String)
    /// `a[b]`: item first, then attribute (jinja2's `getitem`).
    case item(JinjaExpr, JinjaExpr)
    case slice(JinjaExpr, start: JinjaExpr?, stop: JinjaExpr?, step: JinjaExpr?)
    case call(JinjaExpr, [JinjaExpr], [(String, JinjaExpr)])
    case filter(JinjaExpr, String, [JinjaExpr], [(String, JinjaExpr)], line: Int)
    case test(JinjaExpr, String, [JinjaExpr], negated: Bool, line: Int)
    case unary(String, JinjaExpr)
    case binary(String, JinjaExpr, JinjaExpr)
    case and(JinjaExpr, JinjaExpr)
    case or(JinjaExpr, JinjaExpr)
    case not(JinjaExpr)
    /// `a < b <= c`, `a in b`, `a not in b`: chained like Python.
    case compare(JinjaExpr, [(String, JinjaExpr)])
    /// `a if cond else b`; no else → undefined.
    case conditional(JinjaExpr, test: JinjaExpr, otherwise: JinjaExpr?)
}

/// A statement or output of a template.
indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpr, line: Int)
    case ifChain([(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode], line: Int)
    case forLoop(targets: [String], iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode], otherwise: [JinjaNode], line: Int)
    /// `{% set a = x %}`, `{% set a, b = x %}`.
    case set(targets: [String], JinjaExpr, line: Int)
    /// `{% set ns.attr = x %}`.
    case setAttribute(String, String, JinjaExpr, line: Int)
    /// `{% set a %}...{% endset %}`.
    case setBlock(String, [JinjaNode], line: Int)
    case macro(JinjaMacro)
    /// `{% call macro(args) %}body{% endcall %}`: the body is `caller()`.
    case callBlock(JinjaExpr, [JinjaNode], line: Int)
    /// `{% filter name(args) %}...{% endfilter %}`.
    case filterBlock(String, [JinjaExpr], [(String, JinjaExpr)], [JinjaNode], line: Int)
    case breakLoop(line: Int)
    case continueLoop(line: Int)
}
