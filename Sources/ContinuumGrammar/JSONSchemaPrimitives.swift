/// The fixed rules every schema grammar draws on: JSON values in the compact canonical
/// layout (no whitespace between tokens), and the string `format`s the compiler enforces.
enum JSONSchemaPrimitives {
    /// Rule bodies by base name; `{p}` is replaced by the rule prefix.
    static let rules: [String: String] = [
        "value": "{p}object | {p}array | {p}string | {p}number | {p}boolean | {p}null",
        "object": "\"{\" ( {p}string \":\" {p}value ( \",\" {p}string \":\" {p}value )* )? \"}\"",
        "array": "\"[\" ( {p}value ( \",\" {p}value )* )? \"]\"",
        // Any JSON string character: unescaped (not ", \ or a control character) or an escape.
        "char": "[^\"\\\\\\x00-\\x1F] | \"\\\\\" ( [\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4} )",
        "string": "\"\\\"\" {p}char* \"\\\"\"",
        "number": "\"-\"? ( \"0\" | [1-9] [0-9]* ) ( \".\" [0-9]+ )? ( [eE] [-+]? [0-9]+ )?",
        "integer": "\"-\"? ( \"0\" | [1-9] [0-9]* )",
        "boolean": "\"true\" | \"false\"",
        "null": "\"null\"",
        // Formats (the string's content, without quotes). Simplified, documented in GRAMMAR.md.
        "date": "[0-9]{4} \"-\" ( \"0\" [1-9] | \"1\" [0-2] ) \"-\" ( \"0\" [1-9] | [12] [0-9] | \"3\" [01] )",
        "time": "( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] \":\" ( [0-5] [0-9] | \"60\" ) ( \".\" [0-9]+ )? ( [zZ] | [-+] ( [01] [0-9] | \"2\" [0-3] ) \":\" [0-5] [0-9] )",
        "date-time": "{p}date [tT] {p}time",
        "uuid": "[0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{12}",
        "email": "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+ ( \".\" [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+ )* \"@\" [A-Za-z0-9] ( [A-Za-z0-9-]* [A-Za-z0-9] )? ( \".\" [A-Za-z0-9] ( [A-Za-z0-9-]* [A-Za-z0-9] )? )+",
        "ipv4": "{p}ipv4-octet \".\" {p}ipv4-octet \".\" {p}ipv4-octet \".\" {p}ipv4-octet",
        // A URI with a scheme (RFC 3986 letters, no spaces, quotes or backslashes after it).
        "uri": "[A-Za-z] [A-Za-z0-9+.-]* \":\" [^ \"\\\\\\x00-\\x1F\\x7F]+",
        "hostname": "[A-Za-z0-9] ( [A-Za-z0-9-]{0,61} [A-Za-z0-9] )? ( \".\" [A-Za-z0-9] ( [A-Za-z0-9-]{0,61} [A-Za-z0-9] )? )*",
        "ipv4-octet": "\"25\" [0-5] | \"2\" [0-4] [0-9] | \"1\" [0-9] [0-9] | [1-9] [0-9] | [0-9]",
    ]

    /// Rules each rule refers to.
    static let deps: [String: [String]] = [
        "value": ["object", "array", "string", "number", "boolean", "null"],
        "object": ["string", "value"],
        "array": ["value"],
        "string": ["char"],
        "date-time": ["date", "time"],
        "ipv4": ["ipv4-octet"],
    ]

    /// Formats a string schema may name (the content rule of each).
    static let formats: Set<String> = ["date", "time", "date-time", "uuid", "email", "ipv4", "uri", "hostname"]
}
