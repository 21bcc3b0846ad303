"""Report pages built with ``agentinstruct.html``: the evaluation report (``eval_page``)."""
