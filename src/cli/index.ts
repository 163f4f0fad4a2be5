export { dbUpdateCommand } from './db-update.js';
