class Refused(Exception):
    """What the site will not do, with the message the reader or editor is shown."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
