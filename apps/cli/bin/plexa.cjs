#!/usr/bin/env node
// The plexa command: the compiled CLI (dist/plexa.js, built by `npm install` or `npm run build`),
// run by plain node. CommonJS, so the thread-pool size is set before anything can start the pool.
'use strict'
process.env.UV_THREADPOOL_SIZE ??= '16' // volume I/O to several disks at once (plexa serve)
const { join } = require('node:path')
const { pathToFileURL } = require('node:url')
import(pathToFileURL(join(__dirname, '..', 'dist', 'plexa.js')).href).catch((e) => {
  console.error(e && e.code === 'ERR_MODULE_NOT_FOUND' ? `plexa: ${e.message}\n(run npm run build in the repository)` : e)
  process.exit(1)
})
