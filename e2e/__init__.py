"""Browser workflows: unimedia's web UI driven in real Chromium, as a person would use it."""
