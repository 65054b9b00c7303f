// pacchettino consume ./q --module examples/module-handler.js --concurrency 4
const fs = require('node:fs/promises');

module.exports = async function handle(job) {
  job.progress(50, 'reading');
  const text = await fs.readFile(job.path, 'utf8'); // a data job's bytes are its payload file
  console.log(`${job.id} (${job.originalName ?? 'data'}, attempt ${job.attempt}): ${text.length} characters`);
  if (text.length === 0) return { result: 'FAILED', reason: 'empty payload' };
  return 'SUCCESS'; // or 'RETRY'; a throw fails the job with its message
};
