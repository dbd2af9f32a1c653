"""The web chat, kept here for the design card: ``python ui.py [--port N]`` is ``python -m assistant.chat`` (the app
is in ``assistant/chat/``; its port, login and queue come from ``ASSISTANT_CHAT_*``)."""
if __name__ == "__main__":
    from assistant.chat.__main__ import main
    main()
