// Placeholder entry point so the solution builds; the real CLI replaces this file.
return 0;
