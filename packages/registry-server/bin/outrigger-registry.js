#!/usr/bin/env node
// The installed command. A committed file, not dist/cli.js itself: a workspace install links bins before anything is
// built, and a bin whose target is missing makes pnpm warn "Failed to create bin" once per dependent package.
import "../dist/cli.js";
