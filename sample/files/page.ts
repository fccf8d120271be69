/** The sample's one page, as a template string: the file list, the upload routes, Uppy's Dashboard, delete. */
import type { FileEntry } from './files.service.js';

const escape = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function renderPage(
  files: FileEntry[],
  assets: { css: string; js: string; uppyCss: string; uppyJs: string },
): string {
  const rows = files
    .map(
      (file) => `
      <tr data-name="${escape(file.name)}">
        <td><a class="file-link" href="${escape(file.url)}">${escape(file.name)}</a></td>
        <td class="size" data-bytes="${file.size}">${size(file.size)}</td>
        <td><time datetime="${file.modified}">${file.modified.replace('T', ' ').slice(0, 19)}</time></td>
        <td><button class="delete" data-name="${escape(file.name)}">Delete</button></td>
      </tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>nestjs-storages sample</title>
  <link rel="stylesheet" href="${escape(assets.uppyCss)}">
  <link rel="stylesheet" href="${escape(assets.css)}">
</head>
<body>
  <h1>nestjs-storages</h1>
  <p>Files in the <code>default</code> storage. Links are presigned and valid for an hour;
     this page's CSS and JS come from the <code>staticfiles</code> storage.</p>
  <table id="files">
    <thead><tr><th>Name</th><th>Size</th><th>Modified</th><th></th></tr></thead>
    <tbody>${rows || '<tr class="empty"><td colspan="4">No files yet.</td></tr>'}</tbody>
  </table>

  <section>
    <h2>Upload through the server</h2>
    <p>Streamed by <code>StorageFileInterceptor</code> straight into the bucket.</p>
    <form id="server-upload" method="post" action="/files" enctype="multipart/form-data">
      <input type="file" name="file" required>
      <button type="submit">Upload</button>
    </form>
  </section>

  <section>
    <h2>Upload from the browser</h2>
    <p>The server only signs an upload URL (a presigned POST); the bytes go straight to S3.</p>
    <form id="direct-upload">
      <input type="file" name="file" required>
      <button type="submit">Upload directly</button>
    </form>
    <p id="status" role="status"></p>
  </section>

  <section>
    <h2>Upload with Uppy</h2>
    <p>Drop files here: <code>StorageUploadModule</code> signs, Uppy sends them straight to S3,
       large ones as a resumable multipart upload.</p>
    <div id="uppy"></div>
  </section>
  <script src="${escape(assets.js)}"></script>
  <script src="${escape(assets.uppyJs)}"></script>
</body>
</html>
`;
}
