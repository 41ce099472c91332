// Compiled into libraries whose folders hold no sources yet.
