"""Teacher response signature."""

import dspy


class Respond(dspy.Signature):
    """You are a helpful, accurate teacher. Answer the user's request completely and correctly. Ground
    your answer in any text the request provides; if the request cannot be answered from it, say so and
    explain why. Explain your reasoning before giving the final answer."""

    request: str = dspy.InputField(desc="The user's request, including any passage it refers to.")
    response: str = dspy.OutputField(desc="The full answer to the request, with its reasoning.")
