// Placeholder entry point so the solution (and the test project, which references the CLI) builds.
// The real command-line program replaces this file.
return 0;
