/* Where model-viewer would load three.js's Lottie loader from (a CDN, by default): the pages
 * never use Lottie textures, so the loader is this stub on our own origin instead. */
export class LottieLoader {
  load(url, onLoad, onProgress, onError) {
    var error = new Error("Lottie textures are not supported here: " + url);
    if (onError) onError(error);
    else throw error;
  }
  setQuality() {}
}
