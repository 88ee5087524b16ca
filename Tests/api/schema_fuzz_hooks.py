"""Schemathesis hooks of test_schema_fuzz.py: drop generated bodies whose validity JSON Schema
cannot express (the document says them in words), so that the positive_data_acceptance check
holds the rest to the letter: tool names that repeat, a chosen tool that is not among the
tools, a previous_response_id (it must name a stored response)."""
import schemathesis


def _tool_names(body):
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    return [t.get("name") for t in tools if isinstance(t, dict)]


@schemathesis.hook
def filter_body(context, body):
    path = context.operation.path if context.operation is not None else ""
    if path not in ("/v1/messages", "/v1/responses") or not isinstance(body, dict):
        return True
    responses = path == "/v1/responses"
    names = _tool_names(body)
    if len(names) != len(set(map(repr, names))):
        return False
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("tool", "function") and choice.get("name") not in names:
        return False
    return not (responses and body.get("previous_response_id") is not None)
