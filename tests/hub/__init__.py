"""A loopback stand-in for the Hugging Face Hub, its pytest fixtures, and small release folders."""
