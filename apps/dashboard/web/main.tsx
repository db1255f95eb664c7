import './styles.css';

// The app's scripts are evaluated only after the browser has painted the shell in index.html: a busy host
// evaluating some 300 KB of script first would otherwise hold back the first paint with it. A tab opened in
// the background paints nothing (no animation frames there), so it waits 100 ms at most.
await new Promise<void>((painted) => {
  requestAnimationFrame(() => setTimeout(painted, 0));
  setTimeout(painted, 100);
});
const { startApp } = await import('./app.tsx');
await startApp();
