"""Helpers the tests share: the Khronos validator harness and small scenes built in code."""
