// express4 is Express 4 installed under an npm alias; its API (as used here) matches @types/express.
declare module 'express4' {
  import express from 'express';
  export default express;
}
