// Run once before the test files: builds the template database they copy.
import { prepareTemplate, TEMPLATE_DB } from './database.ts';

const started = Date.now();
await prepareTemplate();
console.log(`# template database ${TEMPLATE_DB} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
