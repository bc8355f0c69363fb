// workerd: bundled by the test as wrangler would (conditions workerd, worker, browser) and served by Miniflare.
import { createApp } from './app.js';

const app = createApp();

export default {
  fetch(request: Request): Promise<Response> {
    return app(request);
  },
};
