"""Report pages built with ``agentinstruct.html``: the evaluation report (``eval_page``, with its figure
formatting in ``eval_format`` and its per-benchmark item sections in ``eval_items``)."""
