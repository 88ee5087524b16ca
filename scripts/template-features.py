#!/usr/bin/env python3
"""Renders small Jinja snippets, one feature each, with Python jinja2 configured as transformers
configures it, into Tests/data/templates/jinja-features.json; JinjaFeatureTests renders the same
with the Swift interpreter and compares byte for byte (or expects an error where jinja2 raised).

Usage: python scripts/template-features.py   (needs jinja2)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
golden = __import__("template-golden")

CTX = {"xs": [3, 1, 2], "s": "  Hello World  ", "d": {"b": 2, "a": 1, "c": None}, "n": None, "t": True, "f": 1.5,
       "msgs": [{"role": "system", "content": "S"}, {"role": "user", "content": "U1"},
                {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}],
       "u": "Grüße 世界 🚀", "nested": {"a": [1, {"b": "x"}], "e": {}, "l": []}}

CASES = [
    # whitespace control, trim_blocks, lstrip_blocks
    ("ws-trim-blocks", "{% if t %}\nyes\n{% endif %}\nend"),
    ("ws-lstrip", "a\n    {% if t %}\n    b\n    {% endif %}\nc"),
    ("ws-minus", "a   {%- if t -%}   b   {%- endif -%}   c"),
    ("ws-var-minus", "a  {{- 'x' -}}  \n b"),
    ("ws-plus", "a\n    {%+ if t %}b{% endif +%}\nc"),
    ("ws-comment", "a\n  {# comment #}\nb {#- c -#} d"),
    ("ws-var-no-lstrip", "a\n    {{ 'v' }}\n"),
    ("ws-trailing-newline", "x\n"),
    ("ws-two-trailing-newlines", "x\n\n"),
    ("ws-inline-block", "a {% if t %}b{% endif %} c\n{% for x in xs %}{{ x }}{% endfor %}\n"),
    ("raw", "{% raw %}{{ not rendered }}{% endraw %}"),
    # literals and output formatting
    ("literals", "{{ 1 }} {{ -2 }} {{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-7 }} {{ 10 / 4 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 3.0 * 2 }}"),
    ("py-repr", "{{ [1, 'a', none, true, 1.5] }} {{ {'k': 'v', 'q': \"it's\"} }} {{ none }} {{ true }} {{ n }}"),
    ("strings", "{{ 'a' ~ 1 ~ none }} {{ \"tab\\tq\\\"\" }} {{ 'x' * 3 }} {{ 'ab' 'cd' }} {{ '\\u00e9\\n' }}"),
    ("ternary", "{{ 'y' if t else 'n' }} {{ 'y' if n else 'n' }} [{{ 'y' if n }}]"),
    ("logic", "{{ t and 'x' }} {{ n or 'dflt' }} {{ not n }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' in 'cat' }} {{ 4 not in xs }} {{ 'a' in d }}"),
    ("compare", "{{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1, 2] == [1, 2] }} {{ d == {'a': 1, 'b': 2, 'c': none} }} {{ n == none }}"),
    # subscripts, slices, attributes
    ("subscript", "{{ xs[0] }} {{ xs[-1] }} {{ d['a'] }} {{ d.b }} {{ msgs[1].content }} {{ nested.a[1].b }} {{ s[2] }}"),
    ("slices", "{{ xs[1:] }} {{ xs[:-1] }} {{ xs[::-1] }} {{ u[::-1] }} {{ s[2:7] }} {{ xs[::2] }} {{ msgs[1:]|length }}"),
    ("undefined", "[{{ missing }}] [{{ d.missing }}] [{{ xs[10] }}] {{ missing is defined }} {{ d.zz is undefined }} {{ missing|length }} [{{ missing|trim }}] {{ missing == none }}"),
    ("undefined-attr-error", "{{ missing.attr }}"),
    ("none-plus-error", "{{ n + 'a' }}"),
    ("str-plus-int-error", "{{ 'a' + 1 }}"),
    # statements
    ("for-loop-vars", "{% for x in xs %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}|{% endfor %}"),
    ("for-prev-next", "{% for x in xs %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}"),
    ("for-else", "{% for x in [] %}x{% else %}empty{% endfor %}"),
    ("for-filter", "{% for m in msgs if m.role == 'user' %}{{ loop.index }}:{{ m.content }}/{{ loop.length }} {% endfor %}"),
    ("for-unpack", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"),
    ("for-dict", "{% for k in d %}{{ k }}{% endfor %}"),
    ("for-string", "{% for c in 'abc' %}{{ c }}.{% endfor %}"),
    ("break-continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}"),
    ("loop-cycle", "{% for x in xs %}{{ loop.cycle('a', 'b') }}{% endfor %}"),
    ("set-scope", "{% set a = 1 %}{% for x in xs %}{% set a = x %}{% endfor %}{{ a }}{% if t %}{% set a = 9 %}{% endif %}{{ a }}"),
    ("namespace", "{% set ns = namespace(found=false, n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% if x == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.n }}"),
    ("set-block", "{% set body %}inner {{ 1 + 1 }}{% endset %}[{{ body }}]"),
    ("set-tuple", "{% set a, b = 1, 2 %}{{ a }}{{ b }}"),
    ("macro", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', punct='?') }} {{ greet(name='Cy') }}"),
    ("macro-globals", "{% set g = 'G' %}{% macro m() %}{{ g }}{{ xs|length }}{% endmacro %}{{ m() }}"),
    ("call-block", "{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}in{% endcall %}"),
    ("filter-block", "{% filter upper %}shout {{ 'it' }}{% endfilter %}"),
    ("raise", "{% if t %}{{ raise_exception('bad ' ~ 1) }}{% endif %}"),
    ("strftime", "{{ strftime_now('%Y-%m-%d %H:%M %d %b %Y') }}"),
    # filters
    ("filters-text", "{{ s|trim }}|{{ s|upper }}|{{ s|lower }}|{{ 'hello wORLD-x (y'|title }}|{{ 'hELLO'|capitalize }}|{{ s|replace('l', 'L') }}|{{ s|replace('l', 'L', 1) }}|{{ 'xxaxx'|trim('x') }}"),
    ("filters-length", "{{ xs|length }} {{ d|length }} {{ u|length }} {{ ''|length }} {{ xs|count }}"),
    ("filters-list", "{{ xs|first }} {{ xs|last }} {{ 'abc'|list }} {{ d|list }} {{ xs|sort }} {{ xs|sort(reverse=true) }} {{ xs|reverse|list }} {{ [1, 2, 1, 'A', 'a']|unique|list }} {{ xs|join('-') }} {{ xs|sum }} {{ xs|min }} {{ xs|max }}"),
    ("filters-dict", "{{ d|items|list }} {{ d|dictsort }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.get('a') }} {{ d.get('zz', 'no') }} {{ d.get('zz') }}"),
    ("filters-select", "{{ msgs|selectattr('role', 'equalto', 'user')|map(attribute='content')|join(',') }} {{ msgs|rejectattr('role', 'equalto', 'user')|list|length }} {{ [0, 1, 2, none]|select|list }} {{ xs|reject('odd')|list }} {{ msgs|selectattr('content')|list|length }} {{ msgs|map(attribute='role')|unique|list }} {{ ['a', 'b']|map('upper')|list }}"),
    ("filters-default", "{{ missing|default('dflt') }} {{ n|default('dflt') }} {{ ''|default('e', true) }} {{ missing|d('d') }} {{ 0|default(5) }}"),
    ("filters-convert", "{{ '42'|int + 1 }} {{ 'x'|int }} {{ '3.7'|int }} {{ 3.9|int }} {{ '2.5'|float }} {{ 7|string ~ 'x' }} {{ xs|string }} {{ -3|abs }} {{ 2.567|round(2) }} {{ 2.5|round }}"),
    ("filters-tojson", "{{ d|tojson }} {{ nested|tojson }} {{ u|tojson }} {{ 'q\"\\\\\\n'|tojson }} {{ [1.0, 2.5e-8, true, none]|tojson }} {{ msgs[0]|tojson(indent=2) }} {{ nested|tojson(indent=4) }} {{ d|tojson(sort_keys=true) }} {{ d|tojson(separators=[',', ':']) }}"),
    ("filters-indent", "{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent(width=3, blank=true) }}"),
    ("filters-safe-escape", "{{ '<b>'|safe }} {{ '<a href=\"x\">&\\''|e }}"),
    # tests
    ("tests", "{{ n is none }} {{ s is string }} {{ d is mapping }} {{ xs is iterable }} {{ s is iterable }} {{ 1 is number }} {{ f is number }} {{ t is true }} {{ 1 is true }} {{ t is false }} {{ xs is sequence }} {{ 2 is even }} {{ 3 is odd }} {{ 2 in xs }} {{ 'x' is in 'xyz' }} {{ 1 is integer }} {{ f is float }} {{ d is not mapping }} {{ n is not none }} {{ 9 is divisibleby 3 }} {{ t is boolean }}"),
    # string methods
    ("str-methods", "{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ s.strip().startswith('He') }}|{{ 'file.py'.endswith(('.js', '.py')) }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ 'hello wORLD'.title() }}|{{ 'x-y'.replace('-', '+') }}|{{ 'abcabc'.find('c') }}|{{ 'abc'.count('b') }}|{{ ', '.join(['a', 'b']) }}|{{ '{} and {}'.format(1, 'two') }}|{{ 'xxhixx'.strip('x') }}"),
    ("dict-literals", "{% set x = {'a': 1, 'b': [1, 2], 'c': {'d': none}} %}{{ x }} {{ x|tojson }} {{ {'z': 1, 'a': 2}|items|list }}"),
    ("list-concat", "{{ xs + [4] }} {{ [1] * 3 }} {{ (1, 2) }} {{ ('a',) }}"),
    ("chained-filters", "{{ msgs[0]['content']|trim|lower|replace('s', 'Z') ~ '.' }}"),
    ("range", "{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }}"),
    ("message-equality", "{% set users = msgs|selectattr('role', 'equalto', 'user')|list %}{% for m in msgs %}{{ m == users[-1] }}{% endfor %}"),
    ("is-iterable-string", "{% if s is iterable %}{{ s|tojson }}{% endif %}"),
    ("int-overflow-float", "{{ 9007199254740993 }} {{ 2 ** 62 }} {{ 1e16 }} {{ 123456789012345678.0 }} {{ 1e15 }} {{ -0.0 }} {{ 1/3 }}"),
    ("unicode-len-index", "{{ u|length }} {{ u[6] }} {{ u[-1] }} {{ u|upper }}"),
    ("loop-in-macro", "{% macro list(items) %}{% for i in items %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}{% endmacro %}[{{ list(xs) }}]"),
    ("set-per-iteration", "{% for x in [1, 2, 3] %}{% if loop.first %}{% set y = 1 %}{% endif %}[{{ y }}]{% endfor %}"),
    ("loop-var-restored", "{% set x = 5 %}{% for x in [1, 2] %}{% endfor %}{{ x }}{% for m in msgs %}{% endfor %}{{ m is defined }}"),
    ("nested-loops", "{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %}"),
    ("macro-default-from-param", "{% macro m(a, b=a) %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}"),
    ("ternary-undefined", "{{ 'a' if false }}|{{ ('a' if false)|default('d') }}|{{ 'x'.content }}|{{ none.x is defined }}|{{ xs.append }}"),
    ("batch", "{{ xs|batch(2)|list }} {{ xs|batch(2, 0)|list }}"),
    ("syntax-error", "{% if %}"),
    ("unclosed", "{% if t %}x"),
]


def main():
    env = golden.environment()
    out = {"context": CTX, "cases": []}
    counts = [0, 0]
    for name, source in CASES:
        entry = {"name": name, "template": source}
        try:
            entry["text"] = env.from_string(source).render(**json.loads(json.dumps(CTX)))
            counts[0] += 1
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"
            counts[1] += 1
        out["cases"].append(entry)
    path = os.path.join(golden.ROOT, "jinja-features.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(CASES)} feature cases: {counts[0]} rendered, {counts[1]} errors")


if __name__ == "__main__":
    main()
