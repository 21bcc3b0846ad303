"""Tool-use agent signatures (paper, section 2.3): library reconstruction, the assistant's steps, the API
simulator."""

from typing import Any

import dspy
import pydantic

from signatures.types import ApiSpec, ToolAction


class ReconstructLibrary(dspy.Signature):
    """You are an API library reconstruction agent. From the seed (a source code snippet or an API
    description), write the list of APIs of the library it belongs to, as described below. Every API has
    a clear name, a description of what it does and what it returns, and typed parameters, each marked
    required or optional."""

    seed_text: str = dspy.InputField(desc="The seed: source code or an API description.")
    apis: list[ApiSpec] = dspy.OutputField(desc="The APIs of the library.")


class ToolAgentStep(dspy.Signature):
    """You are the assistant in a tool-use conversation. Follow the system message: read the conversation
    so far and take the next step. Either call one of the listed APIs with parameter values taken from the
    conversation, or stop: with FINAL_ANSWER once the API results answer the user's request, or with
    FAILED when a needed API is not in the list or the user did not give a value for a required parameter.
    Never invent APIs, parameter values or results."""

    system_message: str = dspy.InputField(desc="The protocol and the list of APIs the assistant may call.")
    conversation: str = dspy.InputField(desc="The conversation so far; API results appear as user turns.")
    message: str = dspy.OutputField(desc="What the assistant tells the user before its action: its plan, "
                                         "or what the results so far show.")
    action: ToolAction = dspy.OutputField(desc="The next action.")


STOP_NAMES = ("FINAL_ANSWER", "FAILED")


def with_action_names(signature: type[dspy.Signature], api_names: list[str]) -> type[dspy.Signature]:
    """``signature`` (a ``ToolAgentStep``, compiled or not) whose JSON schema spells out the two kinds of
    action: an ``API_CALL`` names one of ``api_names``; a ``STOP`` is ``FINAL_ANSWER`` or ``FAILED`` and
    carries no arguments. A model decoding under the schema (structured outputs, the embedded model's
    grammar) cannot invent an API or stop under an API's name. Parsing still takes any string, so a model
    that ignores the schema is caught by the trace check with its reason."""
    names = list(dict.fromkeys(api_names))

    def two_kinds(schema: dict[str, Any]) -> None:
        props = schema["properties"]

        def kind(action_type: str, allowed: list[str], arguments: dict[str, Any]) -> dict[str, Any]:
            fields = {**props, "action_type": {"type": "string", "enum": [action_type]},
                      "name": {"type": "string", "enum": allowed,
                               "description": props["name"].get("description", "")},
                      "arguments": arguments}
            return {"type": "object", "properties": fields, "required": list(fields),
                    "additionalProperties": False}

        kinds = [kind("STOP", list(STOP_NAMES), {**props["arguments"], "maxItems": 0})]
        if names:
            kinds.insert(0, kind("API_CALL", names, props["arguments"]))
        description = schema.get("description")
        schema.clear()
        schema.update({"anyOf": kinds, **({"description": description} if description else {})})

    action = pydantic.create_model("ToolAction", __base__=ToolAction)
    action.model_config = {**ToolAction.model_config, "json_schema_extra": two_kinds}
    action.model_rebuild(force=True)
    return signature.with_updated_fields("action", type_=action)


class SimulateApiResult(dspy.Signature):
    """You are an API simulator. Given an API's description and a valid call of it, return the JSON
    result the real API would return: realistic values, consistent with the call's parameters and with
    the user's task."""

    api: str = dspy.InputField(desc="The API's description (JSON).")
    call: str = dspy.InputField(desc="The call to execute.")
    task: str = dspy.InputField(desc="The user's task, for consistent results.")
    result: dict[str, Any] = dspy.OutputField(desc="The API's result.")
