"""Everything that reads or writes outside the process: files, and later the database and blobs."""
