"""Home care (居家养老): orders to providers, confirmation, completion and ratings."""
