"""A student that is a Hugging Face checkpoint directory, generating in left-padded batches."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from eval.optional import require
from eval.students.base import GenerationSettings, Message

log = logging.getLogger(__name__)


class MissingChatTemplateError(ValueError):
    """The tokenizer has no chat template and none was given."""


class HFStudent:
    """``AutoModelForCausalLM`` + its tokenizer from a local directory; the chat template is applied to
    each prompt, prompts are batched with left padding, decoding is greedy or sampled.

    ``device`` is ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when available). The model loads
    on the first ``generate``. torch and transformers are imported lazily.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        name: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        chat_template: str | None = None,
    ):
        self.path = Path(path)
        self.name = name or self.path.name
        self.device = device
        self.dtype = dtype
        self.chat_template = chat_template
        self._model: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        torch = require("torch")
        transformers = require("transformers")
        device = self.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(self.path))
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        if self.chat_template is not None:
            tokenizer.chat_template = self.chat_template
        if not tokenizer.chat_template:
            raise MissingChatTemplateError(f"{self.path}: the tokenizer has no chat template; pass chat_template")
        dtype = self.dtype if self.dtype == "auto" else getattr(torch, self.dtype)
        model = transformers.AutoModelForCausalLM.from_pretrained(str(self.path), dtype=dtype)
        model.to(device)
        model.eval()
        self._tokenizer, self._model, self.device = tokenizer, model, device
        log.info("loaded %s on %s", self.path, device)

    def generate(self, prompts: list[list[Message]], settings: GenerationSettings) -> list[str]:
        """One reply per prompt, generated ``settings.batch_size`` prompts at a time."""
        if self._model is None:
            self._load()
        torch = require("torch")
        tok, model = self._tokenizer, self._model
        texts = [tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in prompts]
        kwargs: dict[str, Any] = {"max_new_tokens": settings.max_new_tokens, "pad_token_id": tok.pad_token_id,
                                  "do_sample": not settings.greedy}
        if settings.greedy:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(temperature=settings.temperature, top_p=settings.top_p)
            torch.manual_seed(settings.seed)
        replies: list[str] = []
        for start in range(0, len(texts), settings.batch_size):
            batch = tok(texts[start:start + settings.batch_size], return_tensors="pt", padding=True,
                        add_special_tokens=False).to(self.device)
            with torch.no_grad():
                out = model.generate(**batch, **kwargs)
            new = out[:, batch["input_ids"].shape[1]:]
            replies += [t.strip() for t in tok.batch_decode(new, skip_special_tokens=True)]
        return replies
