"""One module per CLI command; ``agentinstruct.cli`` lists them."""
