"""The chat agent: a request in, a reply and the tools it called out.

With an LLM configured it is a LangChain tool-calling agent; without one, a deterministic router
(:mod:`.router`) picks the tool. The tools (:mod:`.tools`) are plain functions over onbrand's stages.
"""

from agents.chat.agent import ChatAgent, ChatReply
from agents.chat.tools import TOOLS, ChatSession, tools_for

__all__ = ["TOOLS", "ChatAgent", "ChatReply", "ChatSession", "tools_for"]
