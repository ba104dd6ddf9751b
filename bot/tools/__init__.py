"""The operator's commands besides running the bot: `solidaire doctor` and `solidaire backup`."""
