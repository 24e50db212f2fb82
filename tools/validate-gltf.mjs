#!/usr/bin/env node
// Validate glTF/GLB files with the Khronos glTF Validator (the npm library, which has no CLI).
//
//   node tools/validate-gltf.mjs FILE...
//
// Prints ONE JSON array to stdout: the validator's report for each file, in argument order.
// A file the validator refuses outright (its format cannot even be detected) gets a report with
// one VALIDATOR_REJECTED error, so the array always lines up with the arguments.
// Exit status: 0 when every file was validated (whatever the reports say), 1 when a file could
// not be read, 2 on a usage error. The tests call this once per batch: Node starts slowly.

import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { validateBytes, version } from "gltf-validator";

const OPTIONS = { maxIssues: 0, writeTimestamp: false };

function rejected(file, reason) {
  return {
    uri: basename(file),
    validatorVersion: version(),
    issues: {
      numErrors: 1,
      numWarnings: 0,
      numInfos: 0,
      numHints: 0,
      messages: [{ code: "VALIDATOR_REJECTED", message: String(reason), severity: 0 }],
      truncated: false,
    },
  };
}

async function validate(file) {
  const data = new Uint8Array(await readFile(file));
  try {
    return await validateBytes(data, { ...OPTIONS, uri: basename(file) });
  } catch (reason) {
    return rejected(file, reason);
  }
}

async function main(files) {
  if (files.length === 0) {
    process.stderr.write("usage: node tools/validate-gltf.mjs FILE...\n");
    return 2;
  }
  const reports = [];
  for (const file of files) {
    try {
      reports.push(await validate(file));
    } catch (error) {
      process.stderr.write(`validate-gltf: cannot read ${file}: ${error.message}\n`);
      return 1;
    }
  }
  process.stdout.write(JSON.stringify(reports) + "\n");
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
