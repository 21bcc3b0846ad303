"""Conversation signatures: the assistant's reply in a multi-turn chat, and the simulated user."""

import dspy


class ChatReply(dspy.Signature):
    """You are a helpful, knowledgeable assistant talking with a user. Reply to the user's last message
    naturally and accurately, consistent with everything said so far. Use the background for facts, but
    never mention that you were given it."""

    background: str = dspy.InputField(desc="Facts about the topic of the conversation (hidden from the user).")
    conversation: str = dspy.InputField(desc="The conversation so far, ending with the user's message.")
    response: str = dspy.OutputField(desc="The assistant's reply.")


class SimulateUser(dspy.Signature):
    """You play the user in a conversation with an AI assistant. Write the user's next message: react to
    the assistant's last reply and move the conversation forward as the user of the conversation kind
    described below would, for example with a follow-up question, a doubt, an added detail or a related
    request. Write only the message."""

    background: str = dspy.InputField(desc="The scenario the user is in.")
    conversation: str = dspy.InputField(desc="The conversation so far, ending with the assistant's reply.")
    user_turn: str = dspy.OutputField(desc="The user's next message.")
