"""Real parts for the tests: servers started by a test on ports of their own."""
