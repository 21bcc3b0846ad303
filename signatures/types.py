"""Pydantic output types of the signatures: DSPy's JSONAdapter parses model outputs into them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

ParamType = Literal["string", "integer", "number", "boolean", "array", "object"]


class ApiParam(BaseModel):
    """One parameter of an API."""

    name: str = Field(description="The parameter name, as used in a call.")
    type: ParamType = Field(description="The JSON type of the value.")
    description: str = Field(default="", description="What the parameter means.")
    required: bool = Field(default=False, description="Whether every call must supply it.")
    enum: list[str | int | float] | None = Field(default=None, description="The allowed values, if limited.")


class ApiSpec(BaseModel):
    """One API (function) of a library."""

    name: str = Field(description="The API name; no parentheses or line breaks.")
    description: str = Field(description="What the API does and what it returns.")
    parameters: list[ApiParam] = Field(default_factory=list, description="The API's parameters.")


ArgumentValue = str | int | float | bool | list[str | int | float | bool] | dict[str, Any] | None


class ToolArgument(BaseModel):
    """One parameter value of an API call."""

    name: str = Field(description="The parameter name.")
    value: ArgumentValue = Field(description="The value, of the parameter's JSON type.")


class ToolAction(BaseModel):
    """One step of a tool-use trace: an API call, or the end of the process.

    The arguments travel as a list of name/value pairs, not as a JSON object: structured outputs close
    every object to its declared properties, so an open ``dict`` of arguments would only ever allow ``{}``.
    A mapping is accepted on input too; ``kwargs`` gives the call's arguments as a dict.
    """

    action_type: Literal["API_CALL", "STOP"] = Field(description="API_CALL to call an API, STOP to finish.")
    name: str = Field(description="The API to call; for STOP, FINAL_ANSWER or FAILED.")
    arguments: list[ToolArgument] = Field(default_factory=list,
                                          description="For API_CALL: each parameter's name and value.")
    value: str = Field(default="", description="For STOP: the final answer, or why the process failed.")

    @field_validator("arguments", mode="before")
    @classmethod
    def _from_mapping(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return [{"name": k, "value": v} for k, v in value.items()]
        return value

    @property
    def kwargs(self) -> dict[str, Any]:
        """The call's arguments as ``{name: value}`` (a repeated name keeps its last value)."""
        return {a.name: a.value for a in self.arguments}


FormatKind = Literal[
    "max_words", "min_words", "max_sentences", "max_characters", "bullet_points", "numbered_list",
    "paragraphs", "json_output", "all_lowercase", "all_uppercase", "include_keywords", "exclude_keywords",
    "start_with", "end_with", "title", "no_commas", "highlighted_spans", "postscript", "style",
]


class FormatGuideline(BaseModel):
    """One formatting guideline that a response must follow."""

    kind: FormatKind = Field(description="Which kind of guideline this is.")
    number: int | None = Field(default=None, description="The count or limit, for kinds that need one.")
    text: str | None = Field(default=None, description="The phrase, for start_with, end_with, postscript "
                                                       "and style (a free-form guideline).")
    keywords: list[str] = Field(default_factory=list, description="For include_keywords / exclude_keywords.")


class ChatTurn(BaseModel):
    """One turn of a conversation."""

    role: Literal["user", "assistant"]
    content: str
