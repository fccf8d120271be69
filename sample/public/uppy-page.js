// The sample page's Uppy: a Dashboard (drag and drop, progress bar) whose files go straight to S3
// through StorageUploadModule's routes (companionEndpoint). Bundled by esbuild at start-up
// (sample/assets.ts) into uppy.js and uppy.css.
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import AwsS3 from '@uppy/aws-s3';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const uppy = new Uppy({ restrictions: { maxFileSize: 1024 ** 3 } })
  .use(Dashboard, { inline: true, target: '#uppy', height: 320, proudlyDisplayPoweredByUppy: false })
  // Files over 20 MiB go up as a multipart upload in 5 MiB parts, each part retried on its own.
  .use(AwsS3, { companionEndpoint: '/storage-uploads', shouldUseMultipart: (file) => file.size > 20 * 1024 * 1024 });

// Once every file is in, show the list again with the new files in it.
uppy.on('complete', (result) => {
  if (result.successful.length && !result.failed.length) location.href = '/?uploaded=uppy';
});
