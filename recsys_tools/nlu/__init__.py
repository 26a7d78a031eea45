"""Korean NER + intent: data generation, two taggers (CRF, syllable BiLSTM), serving tool."""
