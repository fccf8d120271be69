// The sample page's script, served from the staticfiles storage: direct uploads and deletes.
const statusLine = document.getElementById('status');

document.getElementById('direct-upload').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = event.target.elements.file.files[0];
  statusLine.textContent = `Uploading ${file.name}...`;
  const signed = await fetch('/api/upload-url', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: file.name, contentType: file.type || 'application/octet-stream' }),
  }).then((response) => response.json());
  const form = new FormData();
  for (const [key, value] of Object.entries(signed.fields)) form.append(key, value);
  form.append('file', file);
  const upload = await fetch(signed.url, { method: 'POST', body: form });
  if (!upload.ok) {
    statusLine.textContent = `Upload failed: ${upload.status} ${await upload.text()}`;
    return;
  }
  statusLine.textContent = `Uploaded ${signed.name}`;
  location.href = `/?uploaded=${encodeURIComponent(signed.name)}`;
});

document.getElementById('files').addEventListener('click', async (event) => {
  const button = event.target.closest('button.delete');
  if (!button) return;
  const response = await fetch(`/api/files?name=${encodeURIComponent(button.dataset.name)}`, { method: 'DELETE' });
  if (response.ok) button.closest('tr').remove();
});
