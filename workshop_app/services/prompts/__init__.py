"""The prompt library: versioned prompts, shared or pushed to a workshop.
Also the `{{variables}}` in prompt text: found, checked and filled."""
