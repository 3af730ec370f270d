/** Command ids of the artifact commands (the manifest test checks them against package.json). */
export const ArtifactCommands = {
  uploadArtifactFile: 'matih.artifact.uploadFile',
  uploadArtifactFolder: 'matih.artifact.uploadFolder',
  downloadArtifact: 'matih.artifact.download',
  openArtifact: 'matih.artifact.open',
  deleteArtifact: 'matih.artifact.delete',
  copyArtifactPath: 'matih.artifact.copyPath',
  copyArtifactUri: 'matih.artifact.copyUri',
} as const;

/** The scheme of the read-only editor tabs that show text artifacts. */
export const ARTIFACT_SCHEME = 'matih-artifact';
