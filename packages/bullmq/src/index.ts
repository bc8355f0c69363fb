export type { BullMQQueueOptions } from './bullmq-queue.js';
export { BullMQQueue } from './bullmq-queue.js';
export { jobIdFor } from './job-id.js';
